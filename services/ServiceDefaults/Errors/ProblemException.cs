using Microsoft.AspNetCore.Http;

namespace Flipkart.ServiceDefaults;

/// <summary>
/// A failure the client can act on. Thrown from domain or application code and answered by
/// <see cref="ProblemDetailsExceptionHandler"/> as ProblemDetails with <see cref="StatusCode"/>, <see cref="Title"/>,
/// the message as detail, and <see cref="Type"/> when a client should branch on it. Services derive their own
/// (<c>CartDomainException</c>, <c>ProductNotFoundException</c>…) from the four kinds below.
/// </summary>
public abstract class ProblemException(string title, string detail, string? type = null) : Exception(detail)
{
    public abstract int StatusCode { get; }

    public string Title { get; } = title;

    /// <summary>An RFC 9457 problem type URI, or null for <c>about:blank</c>.</summary>
    public string? Type { get; } = type;

    /// <summary>When the same request may succeed if sent again (a request still in progress), after how long.</summary>
    public TimeSpan? RetryAfter { get; init; }
}

/// <summary>The request breaks a rule of its own shape or values (400).</summary>
public class InvalidRequestException(string title, string detail) : ProblemException(title, detail)
{
    public override int StatusCode => StatusCodes.Status400BadRequest;
}

/// <summary>Fields of the request are invalid (400 as a validation problem listing each field's errors).</summary>
public class RequestValidationException(string title, IDictionary<string, string[]> errors)
    : InvalidRequestException(title, "One or more fields are invalid.")
{
    public IDictionary<string, string[]> Errors { get; } = errors;
}

/// <summary>The resource does not exist, or is someone else's and so indistinguishable from missing (404).</summary>
public class NotFoundException(string title, string detail) : ProblemException(title, detail)
{
    public override int StatusCode => StatusCodes.Status404NotFound;
}

/// <summary>The resource's current state forbids the change (409): sold out, already paid.</summary>
public class ConflictException(string title, string detail, string? type = null) : ProblemException(title, detail, type)
{
    public override int StatusCode => StatusCodes.Status409Conflict;
}

/// <summary>A well-formed request a business rule rejects (422): an empty cart, a product no longer sold.</summary>
public class RuleViolationException(string title, string detail) : ProblemException(title, detail)
{
    public override int StatusCode => StatusCodes.Status422UnprocessableEntity;
}

/// <summary>
/// A store, the broker, the sidecar or another service failed or answered nonsense: an outage, not a defect. Answered
/// 503 with Retry-After and a generic detail (the message, which may name keys and hosts, goes to the log only).
/// </summary>
public sealed class DependencyUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
