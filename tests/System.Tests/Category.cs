// The whole system as processes (DevHost's LocalRun) on each component profile, driven through the gateway.
[assembly: Trait("Category", "System")]
