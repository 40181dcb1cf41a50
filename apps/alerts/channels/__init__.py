"""Alert channels: managing them (services, selectors), what each is sent (formats) and how
a JSON webhook's receiver knows it came from us (signing). Sending is apps.alerts.delivery."""
