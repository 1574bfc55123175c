using Flipkart.ComponentLint.Resources;

namespace Flipkart.ComponentLint.Linting;

/// <summary>How one service fared: each component it uses and whether all its needs are met.</summary>
/// <param name="ActorStore">The actor state store, for apps hosting actors (null otherwise).</param>
/// <param name="Invocations">How many service-invocation calls the app declares (their verdicts are findings).</param>
public sealed record ServiceVerdict(string AppId, IReadOnlyList<(string Component, string Type, bool Ok)> Uses, string? ActorStore, bool ActorsOk,
    int Invocations);

public sealed record LintResult(Profile Profile, IReadOnlyList<DaprComponent> Components, IReadOnlyList<Finding> Findings,
    IReadOnlyList<ServiceVerdict> Services)
{
    public IEnumerable<Finding> Errors => Findings.Where(f => f.Severity == Severity.Error);

    public IEnumerable<Finding> Warnings => Findings.Where(f => f.Severity == Severity.Warning);

    public bool Passed => !Errors.Any();
}
