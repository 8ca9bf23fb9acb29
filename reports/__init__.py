from . import tablet_loan_contract_report
from . import tablet_annual_report_report
