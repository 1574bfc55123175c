namespace Flipkart.EmbeddedDapr.Resiliency;

/// <summary>
/// An operation failure that carries an HTTP or gRPC status code, visible to retry <c>matching</c>. In the core (not in
/// Resiliency/) because the core's service invocation reports such failures whether or not a policy is loaded.
/// </summary>
public class StatusCodeException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
