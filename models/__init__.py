from . import res_partner
from . import res_users
from . import tablet_convention
from . import tablet_convention_amendment
