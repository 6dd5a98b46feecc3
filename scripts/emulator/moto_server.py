"""moto server with what moto 5.2 lacks and pod-routes calls.

- CompleteLifecycleAction and RecordLifecycleActionHeartbeat answer like AWS: the group and hook must
  exist, and an action can be completed once; completing it again is a ValidationError "No active
  Lifecycle Action found".
- DescribeRouteTables takes the filter route.instance-id (plain moto answers it with an HTML 500).
- With ROUTES_PER_ROUTE_TABLE set, Service Quotas answers that as the "Routes per route table" quota
  (vpc L-93826ACB): the account's applied value. Plain moto answers AWS's default, 50, and enforces none.
- With EXIT_WITH_STDIN=1, the server exits when its standard input closes: when the process that
  started it ends, however it ends, no server is left behind.

Everything else is moto as installed. Usage: same arguments as moto_server.
"""
import os
import sys
import threading

from moto.autoscaling.exceptions import ValidationError
from moto.autoscaling.responses import AutoScalingResponse
from moto.core.responses import EmptyResult
from moto.ec2.models.route_tables import RouteTable
from moto.server import main
from moto.servicequotas.resources.default_quotas.vpc import VPC_DEFAULT_QUOTAS


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


_route_table_filter = RouteTable.get_filter_value


def route_table_filter_value(self, filter_name, method_name=None):
    if filter_name == "route.instance-id":
        return [route.instance.id for route in self._routes.values() if route.instance is not None]
    return _route_table_filter(self, filter_name, method_name)


RouteTable.get_filter_value = route_table_filter_value

if os.environ.get("ROUTES_PER_ROUTE_TABLE"):
    for quota in VPC_DEFAULT_QUOTAS:
        if quota["QuotaCode"] == "L-93826ACB":
            quota["Value"] = float(os.environ["ROUTES_PER_ROUTE_TABLE"])
AutoScalingResponse.complete_lifecycle_action = complete_lifecycle_action
AutoScalingResponse.record_lifecycle_action_heartbeat = record_lifecycle_action_heartbeat

def _exit_when_stdin_closes():
    sys.stdin.read()
    os._exit(0)


if __name__ == "__main__":
    if os.environ.get("EXIT_WITH_STDIN") == "1":
        threading.Thread(target=_exit_when_stdin_closes, daemon=True).start()
    sys.exit(main(sys.argv[1:]))
