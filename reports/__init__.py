from . import tablet_loan_contract_report
