"""The budget an instance's calls are governed by."""

import pytest

from apps.instances.client import instance_budget
from apps.marketo.governor import Budget, interactive_reserve
from tests.factories import make_instance


@pytest.mark.django_db
def test_background_work_leaves_a_fifth_of_each_window_to_people():
    # The reserve the governor enforces is the one every text states: a fifth.
    instance = make_instance("Production", calls_per_20s=50)
    assert instance_budget(instance).interactive_reserve == 10 == interactive_reserve(50)
    default = Budget(instance_id=1, calls_per_window=50, concurrency=5, daily_limit=1)
    assert default.interactive_reserve == 10
