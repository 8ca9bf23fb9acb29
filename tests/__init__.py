from . import test_uai
from . import test_convention
from . import test_access
from . import test_demo
from . import test_i18n
from . import test_loan_contract_report
