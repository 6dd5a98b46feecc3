"""moto server with the two Auto Scaling lifecycle actions moto 5.2 lacks.

CompleteLifecycleAction and RecordLifecycleActionHeartbeat answer like AWS: the group and hook must
exist, and an action can be completed once; completing it again is a ValidationError "No active
Lifecycle Action found". Everything else is moto as installed. Usage: same arguments as moto_server.
"""
import sys

from moto.autoscaling.exceptions import ValidationError
from moto.autoscaling.responses import AutoScalingResponse
from moto.core.responses import EmptyResult
from moto.server import main


def _active_action(response):
    group = response._get_param("AutoScalingGroupName")
    hook = response._get_param("LifecycleHookName")
    token = response._get_param("LifecycleActionToken")
    instance = response._get_param("InstanceId")
    if not token and not instance:
        raise ValidationError("Either LifecycleActionToken or InstanceId must be specified")
    if not response.autoscaling_backend.describe_lifecycle_hooks(group, [hook]):
        raise ValidationError(f"No Lifecycle Hook found with name {hook} for group {group}")
    # Kept on the backend so that POST /moto-api/reset forgets them with everything else.
    completed = response.autoscaling_backend.__dict__.setdefault("_completed_lifecycle_actions", set())
    key = (group, hook, token or instance)
    if key in completed:
        raise ValidationError(f"No active Lifecycle Action found with token {token or instance}")
    return completed, key


def complete_lifecycle_action(self):
    completed, key = _active_action(self)
    result = self._get_param("LifecycleActionResult")
    if result not in ("CONTINUE", "ABANDON"):
        raise ValidationError(f"Invalid LifecycleActionResult {result}")
    completed.add(key)
    return EmptyResult()


def record_lifecycle_action_heartbeat(self):
    _active_action(self)
    return EmptyResult()


AutoScalingResponse.complete_lifecycle_action = complete_lifecycle_action
AutoScalingResponse.record_lifecycle_action_heartbeat = record_lifecycle_action_heartbeat

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
