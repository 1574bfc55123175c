using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flipkart.ServiceDefaults;

/// <summary>
/// Identity through the framework: an authentication scheme that reads the Gateway-stamped caller headers into a
/// <see cref="ClaimsPrincipal"/> (it runs after the app API token check, so only the sidecar's calls get this far),
/// and the <see cref="AdminPolicy"/>. Endpoint groups say <c>RequireAuthorization()</c> or
/// <c>RequireAuthorization(CallerAuthentication.AdminPolicy)</c>; anonymous callers get 401 and non-admins 403, both
/// as ProblemDetails, before any handler runs.
/// </summary>
public static class CallerAuthentication
{
    public const string Scheme = "GatewayCaller";
    public const string AdminPolicy = "admin";

    /// <summary>For the backend services (not the Gateway, which authenticates clients by JWT).</summary>
    public static IServiceCollection AddCallerAuthentication(this IServiceCollection services)
    {
        services.AddStatelessAuthentication(Scheme).AddScheme<AuthenticationSchemeOptions, CallerHeadersHandler>(Scheme, null);
        services.AddAuthorizationBuilder().AddPolicy(AdminPolicy, policy => policy.RequireRole(CallerIdentity.AdminRole));
        return services;
    }

    /// <summary>
    /// <c>AddAuthentication(defaultScheme)</c> without data protection's start-up work, for schemes that sign nothing
    /// themselves (caller headers, JWT bearer). <c>AddAuthentication</c> adds data protection for cookies and remote
    /// sign-in state, and its hosted service builds the key ring when the service starts — keys on disk, or ephemeral
    /// ones with a warning where the home directory cannot be written — loading System.Xml for it: about 10 MB of a
    /// service's resident memory, for keys nothing here uses. Anything that does ask for a protector still gets one.
    /// </summary>
    public static AuthenticationBuilder AddStatelessAuthentication(this IServiceCollection services, string defaultScheme)
    {
        var authentication = services.AddAuthentication(defaultScheme);
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i] is { IsKeyedService: false } descriptor && descriptor.ServiceType == typeof(IHostedService) && IsDataProtection(descriptor.ImplementationType))
            {
                services.RemoveAt(i);
            }
        }
        return authentication;
    }

    private static bool IsDataProtection(Type? type) =>
        type?.Namespace?.StartsWith("Microsoft.AspNetCore.DataProtection", StringComparison.Ordinal) == true;

    private sealed class CallerHeadersHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        private const int MaxUserIdLength = 128;

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var userId = Request.Headers[CallerIdentity.UserIdHeader].ToString();
            if (string.IsNullOrWhiteSpace(userId) || userId.Length > MaxUserIdLength)
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var claims = new List<Claim> { new(CallerIdentity.UserIdClaim, userId) };
            claims.AddRange(Request.Headers[CallerIdentity.RolesHeader].ToString()
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Distinct(StringComparer.Ordinal)
                .Select(role => new Claim(CallerIdentity.RoleClaim, role)));
            var identity = new ClaimsIdentity(claims, CallerAuthentication.Scheme, CallerIdentity.UserIdClaim, CallerIdentity.RoleClaim);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), CallerAuthentication.Scheme)));
        }

        protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
            WriteProblemAsync(StatusCodes.Status401Unauthorized, "Authentication required", "Sign in first: this needs a signed-in user.");

        protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
            WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", "This needs the administrator role.");

        private async Task WriteProblemAsync(int status, string title, string detail)
        {
            Response.StatusCode = status;
            await Context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = Context,
                ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
            });
        }
    }
}
