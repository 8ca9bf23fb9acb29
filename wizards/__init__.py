from . import tablet_delivery_intake
