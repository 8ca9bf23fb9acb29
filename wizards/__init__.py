from . import tablet_deployment_wizard
from . import tablet_custody_wizard
from . import tablet_departure_wizard
from . import tablet_return_wizard
from . import tablet_gift_wizard
from . import tablet_delivery_intake
from . import tablet_fleet_exit_export_wizard
from . import tablet_charge_export_wizard
