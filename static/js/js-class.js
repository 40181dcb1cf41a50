// Marks the page as scripted before its first paint, so that CSS can hide what only works
// without JavaScript (e.g. the instance switcher's button). Loaded without defer, in <head>;
// a file rather than an inline script, which the Content-Security-Policy forbids.
document.documentElement.classList.add("js");
