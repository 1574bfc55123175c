namespace Flipkart.DevHost;

/// <summary>A start-up problem the user can act on (taken port, missing file, a service that died); printed without a stack.</summary>
public sealed class DevHostException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>
    /// The profile names a component type the embedded sidecar cannot emulate (yet). Real daprd would load it;
    /// callers such as the system tests report this as "not supported here" rather than as a failure.
    /// </summary>
    public bool ProfileNotSupported { get; init; }
}
