namespace Flipkart.ReliabilityTests.Infrastructure;

/// <summary>
/// The fault scenarios start whole systems (several with two replicas) and run a flash sale each, about 25 minutes
/// on two cores, so they run on demand; the security probes, which share one system start, always run.
/// </summary>
internal static class Suite
{
    public const string Variable = "RELIABILITY_SUITE";

    public static bool Full => string.Equals(Environment.GetEnvironmentVariable(Variable), "full", StringComparison.OrdinalIgnoreCase);

    public static void RequireFull()
    {
        if (!Full)
        {
            Assert.Skip($"Fault scenario: runs with {Variable}=full (dotnet test tests/Reliability.Tests), about 25 min on 2 cores; latest figures in docs/reliability.md.");
        }
    }
}
