"""Partner-carrier adapters behind the ``Carrier`` protocol of ``services.carriers.protocol``: a generic HTTP carrier
and a manifest carrier; the composition roots inject ``adapters.make_carrier``."""
