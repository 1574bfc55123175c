// Faults, hostile input and OWASP probes against the whole system.
[assembly: Trait("Category", "Reliability")]
