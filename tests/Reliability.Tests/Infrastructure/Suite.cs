namespace Flipkart.ReliabilityTests.Infrastructure;

/// <summary>
/// What <c>dotnet test</c> runs, chosen by <c>RELIABILITY_SUITE</c>: unset (or <c>full</c>), every fault scenario
/// and probe at CI size, as CI runs them; <c>large</c>, the same with five times the buyers per sale; <c>probes</c>,
/// only the security probes and the hostile corpus (one system start, a quick local loop).
/// </summary>
internal static class Suite
{
    public const string Variable = "RELIABILITY_SUITE";

    private static string Mode => Environment.GetEnvironmentVariable(Variable)?.Trim().ToLowerInvariant() ?? "";

    public static bool ProbesOnly => Mode == "probes";

    /// <summary>Buyers of a sale: as the test says, or five times as many with <c>large</c> (units stay, so every
    /// check that counts confirmed orders still holds).</summary>
    public static int Buyers(int buyers) => Mode == "large" ? buyers * 5 : buyers;

    public static void RequireFaultScenarios()
    {
        if (ProbesOnly)
        {
            Assert.Skip($"Fault scenario: skipped because {Variable}=probes; unset it to run every scenario (latest figures in docs/reliability.md).");
        }
    }
}
