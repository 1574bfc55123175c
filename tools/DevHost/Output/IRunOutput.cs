namespace Flipkart.DevHost.Output;

/// <summary>Where a local run reports to: the console for people, a buffer or test log for tests and the load tool.</summary>
public interface IRunOutput
{
    /// <summary>DevHost's own progress and status lines.</summary>
    void Progress(string message);

    /// <summary>One line a service (or its sidecar) wrote; <paramref name="source"/> is the app-id, with <c>#n</c> for replicas after the first.</summary>
    void AppLog(string source, string line, bool isError);
}

/// <summary>Discards everything; for callers that only want the running system.</summary>
public sealed class NullRunOutput : IRunOutput
{
    public static readonly NullRunOutput Instance = new();
    public void Progress(string message) { }
    public void AppLog(string source, string line, bool isError) { }
}
