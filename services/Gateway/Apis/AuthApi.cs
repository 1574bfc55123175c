using System.Security.Claims;
using System.Text.RegularExpressions;
using Flipkart.Gateway.Infrastructure;
using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Flipkart.Gateway.Apis;

public static partial class AuthApi
{
    /// <summary>
    /// Dev tokens are for shoppers only: <c>admin</c> is never issued here, so no misconfigured gateway can hand out
    /// the keys to the catalog and the stock. Administrators come from the identity provider (or, in local tests, a
    /// token signed with the profile's signing key).
    /// </summary>
    private static readonly HashSet<string> KnownRoles = [CallerIdentity.CustomerRole];

    /// <summary>Maps <c>POST /api/auth/dev-token</c> only where dev tokens are enabled (Development by default).</summary>
    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app, bool devTokensEnabled)
    {
        if (devTokensEnabled)
        {
            app.MapGroup("api/auth").WithTags("Auth").AllowAnonymous()
                .MapPost("dev-token", IssueDevToken).WithName("IssueDevToken")
                .WithSummary("Issue a short-lived HS256 token for local development (disabled outside Development)");
        }
        return app;
    }

    public static Results<Ok<DevToken>, ValidationProblem, ProblemHttpResult> IssueDevToken(
        DevTokenRequest request, JwtSigningKey signingKey, IOptions<AuthOptions> options, TimeProvider time, HttpContext context)
    {
        var roles = request.Roles?.Distinct(StringComparer.Ordinal).ToArray() ?? [CallerIdentity.CustomerRole];
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(request.UserId) || !UserId().IsMatch(request.UserId))
        {
            errors["userId"] = ["userId is 1-64 letters, digits, '.', '_', '@' or '-'."];
        }
        if (roles.Contains(CallerIdentity.AdminRole, StringComparer.Ordinal))
        {
            errors["roles"] = ["admin is never issued as a dev token; administrators sign in through the identity provider."];
        }
        else if (roles.Length == 0 || roles.Any(r => !KnownRoles.Contains(r)))
        {
            errors["roles"] = [$"roles must be one or more of: {string.Join(", ", KnownRoles)}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid token request");
        }

        if (signingKey.Current is not { } key)
        {
            context.Response.Headers.RetryAfter = "2";
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Signing key not loaded yet",
                detail: $"Waiting for '{JwtSigningKey.SecretName}' from the Dapr secret store.");
        }

        var auth = options.Value;
        var now = time.GetUtcNow();
        var expires = now.AddMinutes(auth.DevTokens.LifetimeMinutes);
        var claims = new List<Claim> { new("sub", request.UserId), new(JwtRegisteredClaimNames.Jti, Guid.NewGuid().ToString("N")) };
        claims.AddRange(roles.Select(role => new Claim("role", role)));

        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Authentication.Issuer(auth),
            Audience = Authentication.Audience(auth),
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            Subject = new ClaimsIdentity(claims),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.HmacSha256),
        });
        return TypedResults.Ok(new DevToken(token, "Bearer", (int)(expires - now).TotalSeconds, expires));
    }

    [GeneratedRegex("^[A-Za-z0-9._@-]{1,64}$")]
    private static partial Regex UserId();
}

public sealed record DevTokenRequest(string UserId, IReadOnlyList<string>? Roles);

public sealed record DevToken(string AccessToken, string TokenType, int ExpiresIn, DateTimeOffset ExpiresAt);
