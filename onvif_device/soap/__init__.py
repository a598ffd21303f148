"""SOAP without ONVIF service knowledge: parsing, envelopes, faults, security, the endpoint."""
