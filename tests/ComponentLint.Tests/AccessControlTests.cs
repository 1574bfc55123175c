using Flipkart.ComponentLint.Linting;
using Flipkart.ComponentLint.Yaml;

namespace Flipkart.ComponentLint.Tests;

public sealed class AccessControlTests
{
    [Theory]
    [InlineData("/api/**", "/api/cart", true)]
    [InlineData("/api/**", "/api", true)]
    [InlineData("/api/cart/**", "/api/cart", true)]
    [InlineData("/api/cart", "/api/cart/items", false)]
    [InlineData("/api/orders/*", "/api/orders/o-1", true)]
    [InlineData("/api/orders/*", "/api/orders/o-1/events", false)]
    [InlineData("/api/v*/orders", "/api/v2/orders", true)]
    [InlineData("/API/Cart", "/api/cart", true)]
    [InlineData("api/cart", "/api/cart", true)]
    public void Paths_match_the_way_daprd_matches_operations(string pattern, string path, bool matches)
    {
        Assert.Equal(matches, AccessControl.PathMatches(pattern, path));
    }

    private static IReadOnlyDictionary<string, object?> Acl(string yaml) =>
        (IReadOnlyDictionary<string, object?>)YamlTree.LoadAll(yaml).Single()!;

    private const string Policies = """
        defaultAction: deny
        policies:
          - appId: ordering
            defaultAction: deny
            operations:
              - name: /api/cart
                httpVerb: ["GET"]
                action: allow
              - name: /api/secret/**
                httpVerb: ["*"]
                action: deny
          - appId: reporting
            defaultAction: allow
        """;

    [Theory]
    [InlineData("ordering", "GET", "/api/cart", true)]
    [InlineData("ordering", "DELETE", "/api/cart", false)]
    [InlineData("ordering", "GET", "/api/other", false)]
    [InlineData("reporting", "GET", "/api/anything", true)]
    [InlineData("stranger", "GET", "/api/cart", false)]
    public void A_call_is_decided_by_the_callers_policy_then_the_global_default(string caller, string verb, string path, bool allowed)
    {
        Assert.Equal(allowed, AccessControl.Decide(Acl(Policies), caller, verb, path).Allowed);
    }

    [Fact]
    public void Without_any_default_action_policies_imply_deny()
    {
        var decision = AccessControl.Decide(Acl("policies: [{appId: ordering}]"), "stranger", "GET", "/x");

        Assert.False(decision.Allowed);
        Assert.Equal("no policy for stranger, global default deny", decision.Reason);
    }
}
