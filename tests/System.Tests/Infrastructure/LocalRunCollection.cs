namespace Flipkart.SystemTests.Infrastructure;

/// <summary>
/// Every class that starts real processes belongs here: one local run at a time, after the parallel test
/// collections finished, so seven services and their sidecars do not fight unit tests for two cores.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LocalRunCollection
{
    public const string Name = "Local run";
}
