from . import tablet_deployment_wizard
from . import tablet_custody_wizard
from . import tablet_departure_wizard
from . import tablet_return_wizard
from . import tablet_gift_wizard
from . import tablet_delivery_intake
