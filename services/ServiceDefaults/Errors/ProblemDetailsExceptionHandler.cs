using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace Flipkart.ServiceDefaults;

/// <summary>
/// The one place exceptions become answers, in every service: request-shape failures (malformed JSON, wrong types,
/// oversized bodies) and <see cref="ProblemException"/>s become their 4xx; infrastructure failures
/// (<see cref="InfrastructureFailures"/>) become 503 with Retry-After; anything else is a genuine fault, logged with
/// its stack and answered 500 without one. No exception text reaches the client except a ProblemException's message,
/// which is written for it.
/// </summary>
public sealed class ProblemDetailsExceptionHandler(IProblemDetailsService problemDetails, ILogger<ProblemDetailsExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var aborted = httpContext.RequestAborted;
        var (status, title, detail, type) = exception switch
        {
            ProblemException problem => (problem.StatusCode, problem.Title, problem.Message, problem.Type),
            BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Malformed request", Describe(bad), null),
            System.Text.Json.JsonException json => (StatusCodes.Status400BadRequest, "Malformed request", json.Message, null),
            OperationCanceledException when aborted.IsCancellationRequested => (499, "Client closed request", (string?)null, null),
            _ when InfrastructureFailures.IsInfrastructureFailure(exception, aborted) => (StatusCodes.Status503ServiceUnavailable,
                "Service temporarily unavailable", Unavailable(httpContext), (string?)null),
            _ => (StatusCodes.Status500InternalServerError, "An unexpected error occurred", (string?)null, (string?)null),
        };

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            logger.LogWarning(exception, "{Method} {Path} answered 503: infrastructure unavailable", httpContext.Request.Method, httpContext.Request.Path);
        }
        else if (status >= 500)
        {
            logger.LogError(exception, "Unhandled exception for {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
        }
        else
        {
            logger.LogInformation("Rejected {Method} {Path} with {Status}: {Reason}", httpContext.Request.Method, httpContext.Request.Path, status, exception.Message);
        }

        if (httpContext.Response.HasStarted)
        {
            return true;
        }

        httpContext.Response.StatusCode = status;
        var retryAfter = exception is ProblemException { RetryAfter: { } wait } ? (int)Math.Ceiling(wait.TotalSeconds)
            : status == StatusCodes.Status503ServiceUnavailable ? InfrastructureFailures.RetryAfterSeconds
            : (int?)null;
        if (retryAfter is { } seconds)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = exception is RequestValidationException invalid
                ? new HttpValidationProblemDetails(invalid.Errors) { Status = status, Title = title, Type = type }
                : new ProblemDetails { Status = status, Title = title, Detail = detail, Type = type },
        });
    }

    // Generic on purpose: the exception names stores, keys and hosts; the log has it.
    private static string Unavailable(HttpContext context) =>
        "A store, the message broker or a service this one depends on cannot be reached right now. Retry after the Retry-After delay."
        + (context.Request.Headers.ContainsKey("Idempotency-Key") ? " A request retried with the same Idempotency-Key takes effect at most once." : "");

    // The framework's message names the parameter and the problem; the inner JSON error adds the path.
    private static string Describe(BadHttpRequestException bad) =>
        bad.InnerException is System.Text.Json.JsonException json ? $"{bad.Message} {json.Message}" : bad.Message;
}
