from . import tablet_loan_contract_report
from . import tablet_xlsx_report
from . import report_fleet_inventory_xlsx
from . import report_fleet_exits_xlsx
from . import report_warranty_claims_xlsx
from . import report_charges_xlsx
from . import report_department_summary_xlsx
from . import tablet_annual_report_report
