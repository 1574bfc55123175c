using Flipkart.ServiceDefaults;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Flipkart.Gateway.Infrastructure;

internal static class Authentication
{
    /// <summary>Dev tokens exist only in Development (on unless <c>Auth:DevTokens:Enabled</c> is false).</summary>
    public static bool DevTokensEnabled(AuthOptions auth, IHostEnvironment environment) =>
        environment.IsDevelopment() && auth.DevTokens.Enabled != false;

    public static string Issuer(AuthOptions auth) => auth.Issuer ?? AuthOptions.DevIssuer;

    public static string Audience(AuthOptions auth) => auth.Audience ?? AuthOptions.DevAudience;

    /// <summary>
    /// Refuses to start with an edge that would let everyone in or nobody: dev tokens outside Development, or an identity
    /// provider that is not fully named. The message names each missing setting (as configuration keys, which are also
    /// the environment variables with <c>__</c> for <c>:</c>).
    /// </summary>
    public static void ValidateAtStart(AuthOptions auth, IHostEnvironment environment)
    {
        if (!environment.IsDevelopment() && auth.DevTokens.Enabled == true)
        {
            throw new InvalidOperationException(
                $"Auth:DevTokens:Enabled is true in the {environment.EnvironmentName} environment. Dev tokens exist only in Development: " +
                "anyone who reaches the gateway could mint a token for any user. Remove the setting and configure Auth:Authority, Auth:Issuer and Auth:Audience.");
        }
        if (DevTokensEnabled(auth, environment))
        {
            return;
        }
        var missing = new[] { ("Auth:Authority", auth.Authority), ("Auth:Issuer", auth.Issuer), ("Auth:Audience", auth.Audience) }
            .Where(s => string.IsNullOrWhiteSpace(s.Item2)).Select(s => s.Item1).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"{string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} not set. Outside Development (here: {environment.EnvironmentName}) " +
                "the gateway validates tokens of an OpenID Connect identity provider: set Auth:Authority (its https URL), Auth:Issuer (the tokens' iss) " +
                "and Auth:Audience (the tokens' aud, or the app client id for Cognito access tokens).");
        }
        if (!Uri.TryCreate(auth.Authority, UriKind.Absolute, out var authority) || authority.Scheme != Uri.UriSchemeHttps)
        {
            throw new InvalidOperationException($"Auth:Authority '{auth.Authority}' is not an https URL; the gateway fetches the provider's signing keys from it.");
        }
    }

    public static void AddGatewayAuthentication(this IHostApplicationBuilder builder, AuthOptions auth)
    {
        ValidateAtStart(auth, builder.Environment);
        var devTokens = DevTokensEnabled(auth, builder.Environment);
        builder.Services.AddSingleton<JwtSigningKey>();
        if (devTokens)
        {
            builder.Services.AddHostedService<JwtSigningKeyLoader>();
            builder.Services.AddHealthChecks().AddCheck<JwtSigningKeyHealthCheck>("jwt-signing-key");
        }

        builder.Services.AddStatelessAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<JwtSigningKey>((options, signingKey) =>
            {
                // Keep claim names as issued ("sub", "role"), not mapped to long WS-* URIs.
                options.MapInboundClaims = false;
                options.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = Issuer(auth),
                    ValidAudience = Audience(auth),
                    // Cognito access tokens carry no `aud`, only the app client in `client_id`; everything else needs `aud`.
                    AudienceValidator = (audiences, token, _) => audiences.Contains(Audience(auth), StringComparer.Ordinal)
                        || (!audiences.Any() && token is JsonWebToken jwt && jwt.TryGetPayloadValue<string>("client_id", out var client) && client == Audience(auth)),
                    ValidateIssuer = true,
                    ValidateAudience = true,
                    ValidateLifetime = true,
                    ValidateIssuerSigningKey = true,
                    RequireExpirationTime = true,
                    RequireSignedTokens = true,
                    ClockSkew = TimeSpan.FromSeconds(30),
                    NameClaimType = "sub",
                    RoleClaimType = "role",
                    // Pinning the algorithm is what stops "alg: none" and algorithm-confusion tokens.
                    ValidAlgorithms = devTokens ? [SecurityAlgorithms.HmacSha256] : [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.RsaSsaPssSha256],
                };

                if (devTokens)
                {
                    options.TokenValidationParameters.IssuerSigningKeyResolver = (_, _, _, _) =>
                        signingKey.Current is { } key ? [key] : [];
                }
                else
                {
                    options.Authority = auth.Authority;
                    options.Audience = Audience(auth);
                }

                options.Events = new JwtBearerEvents
                {
                    OnChallenge = async context =>
                    {
                        context.HandleResponse();
                        context.Response.Headers.WWWAuthenticate = context.AuthenticateFailure is null
                            ? "Bearer"
                            : "Bearer error=\"invalid_token\"";
                        await ProblemWriter.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized,
                            "Authentication required", context.AuthenticateFailure is null ? "Send a bearer token." : "The bearer token is invalid or expired.");
                    },
                    OnForbidden = context => ProblemWriter.WriteAsync(context.HttpContext, StatusCodes.Status403Forbidden, "Forbidden"),
                };
            });

        // Routes name YARP's reserved policies ("anonymous", "default"), so no custom policy is registered.
        builder.Services.AddAuthorization();
    }
}
