namespace Flipkart.DevHost;

/// <summary>A start-up problem the user can act on (taken port, missing file, a service that died); printed without a stack.</summary>
public sealed class DevHostException(string message, Exception? inner = null) : Exception(message, inner);
