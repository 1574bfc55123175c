using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Flipkart.ServiceDefaults;

/// <summary>
/// A <see cref="ProblemException"/> answered without being thrown: the exception handler writes it, so the status,
/// ProblemDetails body, Retry-After and log line are the ones a throw would give. For refusals a hot path gives by the
/// thousand — a flash sale's sold-out answers — where the throw through the async frames and the exception
/// middleware was a quarter of ordering's CPU per answer.
/// </summary>
public sealed class ProblemResult(ProblemException problem) : IResult, IStatusCodeHttpResult
{
    public int? StatusCode => problem.StatusCode;

    public async Task ExecuteAsync(HttpContext httpContext) =>
        await httpContext.RequestServices.GetRequiredService<ProblemDetailsExceptionHandler>()
            .TryHandleAsync(httpContext, problem, httpContext.RequestAborted);
}
