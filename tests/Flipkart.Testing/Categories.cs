using Xunit.v3;

namespace Flipkart.Testing;

/// <summary>
/// The test categories CI runs as stages (<c>.ci/run</c>), as the trait <c>Category</c>:
/// <c>dotnet test --filter Category=Unit</c>. Put one on each test class (or, for a project of one kind, on the
/// assembly); a test without one runs with the unit stage.
/// </summary>
public static class Category
{
    public const string Name = "Category";

    /// <summary>Plain types in memory: no sidecar, no host, no network.</summary>
    public const string Unit = nameof(Unit);

    /// <summary>One service (or the sidecar itself) in process: WebApplicationFactory behind the embedded sidecar.</summary>
    public const string Functional = nameof(Functional);

    /// <summary>The whole system as processes (DevHost's LocalRun), or real daprd where it exists.</summary>
    public const string System = nameof(System);

    /// <summary>Faults, hostile input and load against the whole system.</summary>
    public const string Reliability = nameof(Reliability);

    /// <summary>The storefront in a real browser.</summary>
    public const string Browser = nameof(Browser);
}

/// <summary>Base of the category attributes: one trait, <c>Category</c> = the category.</summary>
[AttributeUsage(AttributeTargets.Assembly | AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public abstract class CategoryAttribute(string category) : Attribute, ITraitAttribute
{
    public IReadOnlyCollection<KeyValuePair<string, string>> GetTraits() => [new(Category.Name, category)];
}

public sealed class UnitAttribute() : CategoryAttribute(Category.Unit);

public sealed class FunctionalAttribute() : CategoryAttribute(Category.Functional);

public sealed class SystemAttribute() : CategoryAttribute(Category.System);

public sealed class ReliabilityAttribute() : CategoryAttribute(Category.Reliability);

public sealed class BrowserAttribute() : CategoryAttribute(Category.Browser);
