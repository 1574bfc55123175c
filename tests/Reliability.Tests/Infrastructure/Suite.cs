namespace Flipkart.ReliabilityTests.Infrastructure;

/// <summary>
/// What <c>dotnet test</c> runs, chosen by <c>RELIABILITY_SUITE</c>: <c>full</c>, every fault scenario and probe at
/// CI size; <c>large</c>, the same with five times the buyers per sale; otherwise only the security probes and the
/// hostile corpus (one system start).
/// </summary>
internal static class Suite
{
    public const string Variable = "RELIABILITY_SUITE";

    private static string Mode => Environment.GetEnvironmentVariable(Variable)?.Trim().ToLowerInvariant() ?? "";

    public static bool ProbesOnly => Mode is not ("full" or "large");

    /// <summary>Buyers of a sale: as the test says, or five times as many with <c>large</c> (units stay, so every
    /// check that counts confirmed orders still holds).</summary>
    public static int Buyers(int buyers) => Mode == "large" ? buyers * 5 : buyers;

    public static void RequireFaultScenarios()
    {
        if (ProbesOnly)
        {
            Assert.Skip($"Fault scenario: runs with {Variable}=full (dotnet test tests/Reliability.Tests); latest figures in docs/reliability.md.");
        }
    }

    /// <summary>The former name of <see cref="RequireFaultScenarios"/>, kept until no scenario file uses it.</summary>
    public static void RequireFull() => RequireFaultScenarios();
}
