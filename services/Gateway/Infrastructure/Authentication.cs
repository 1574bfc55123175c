using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace Flipkart.Gateway.Infrastructure;

internal static class Authentication
{
    public static bool DevTokensEnabled(AuthOptions auth, IHostEnvironment environment) =>
        auth.DevTokens.Enabled ?? environment.IsDevelopment();

    public static void AddGatewayAuthentication(this IHostApplicationBuilder builder, AuthOptions auth)
    {
        var devTokens = DevTokensEnabled(auth, builder.Environment);
        if (!devTokens && string.IsNullOrWhiteSpace(auth.Authority))
        {
            // Fail at start-up, not with every request rejected: without dev tokens someone must issue them.
            throw new InvalidOperationException("Auth:Authority must name the identity provider when Auth:DevTokens:Enabled is false (the default outside Development).");
        }
        builder.Services.AddSingleton<JwtSigningKey>();
        if (devTokens)
        {
            builder.Services.AddHostedService<JwtSigningKeyLoader>();
            builder.Services.AddHealthChecks().AddCheck<JwtSigningKeyHealthCheck>("jwt-signing-key");
        }

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<JwtSigningKey>((options, signingKey) =>
            {
                // Keep claim names as issued ("sub", "role"), not mapped to long WS-* URIs.
                options.MapInboundClaims = false;
                options.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = auth.Issuer,
                    ValidAudience = auth.Audience,
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
                    options.Audience = auth.Audience;
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
