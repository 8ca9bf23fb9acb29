from . import res_partner
from . import res_users
from . import tablet_convention
from . import tablet_convention_amendment
from . import maintenance_equipment
from . import tablet_user_list
from . import tablet_user_list_line
from . import tablet_loan
