namespace Flipkart.ComponentLint.Linting;

public enum Severity { Error, Warning }

/// <summary>
/// One problem. Need-related findings name the service, the need and the component; <see cref="Fix"/> says
/// what would satisfy it.
/// </summary>
public sealed record Finding(Severity Severity, string Message, string? Service = null, string? Need = null,
    string? Component = null, string? Fix = null, string? File = null)
{
    /// <summary>The finding as one sentence, the way the report prints it.</summary>
    public string Headline => (Service, Need, Component) switch
    {
        ({ } service, { } need, { } component) => $"{service} needs {need} from {component}: {Message}",
        ({ } service, null, { } component) => $"{service} -> {component}: {Message}",
        ({ } service, _, null) => $"{service}: {Message}",
        (null, _, { } component) => $"{component}: {Message}",
        _ => Message,
    };

    public override string ToString() => $"{Severity}: {Headline}" + (Fix is null ? "" : $" (fix: {Fix})");
}
