using Flipkart.ComponentLint.Linting;
using Flipkart.ComponentLint.Needs;
using Flipkart.ComponentLint.Resources;

namespace Flipkart.ComponentLint.Tests;

public sealed class ProfileLintTests
{
    private static readonly ServiceNeeds Needs = ServiceNeeds.Load(Repository.Path("components", "service-needs.yaml"));

    private static LintResult Lint(params string[] folders) =>
        new ProfileLinter(Needs, Repository.Root).Lint(Profile.Load(folders));

    public static TheoryData<string> RealProfiles => new(
        Directory.GetDirectories(Repository.Path("components")).Select(Path.GetFileName).OfType<string>().Order());

    public static TheoryData<string> BrokenProfiles => new(
        Directory.GetDirectories(Repository.Path("tests", "ComponentLint.Tests", "BrokenProfiles")).Where(d => File.Exists(Path.Combine(d, "expected-error.txt")))
            .Select(Path.GetFileName).OfType<string>().Order());

    [Fact]
    public void Every_profile_folder_is_checked_including_the_three_shipped_ones()
    {
        Assert.Subset(RealProfiles.Select(row => row.Data).ToHashSet(), new HashSet<string> { "kafka-cassandra", "local", "rabbitmq-mysql" });
    }

    [Theory]
    [MemberData(nameof(RealProfiles))]
    public void A_shipped_profile_passes_without_errors_or_warnings(string profile)
    {
        var result = Lint(Repository.Path("components", profile));

        Assert.Empty(result.Findings.Select(f => f.ToString()));
        Assert.Equal(12, result.Components.Count);
        Assert.All(result.Services, s => Assert.All(s.Uses, u => Assert.True(u.Ok, $"{s.AppId} -> {u.Component}")));
    }

    [Theory]
    [MemberData(nameof(BrokenProfiles))]
    public void A_broken_profile_fails_with_its_message(string broken)
    {
        var folder = Path.Combine(Repository.Path("tests", "ComponentLint.Tests", "BrokenProfiles"), broken);
        var expected = File.ReadAllText(Path.Combine(folder, "expected-error.txt")).Trim();

        var result = Lint(Repository.Path("components", "local"), folder);

        Assert.False(result.Passed);
        var headlines = result.Errors.Select(e => e.Headline).ToList();
        Assert.True(headlines.Any(h => h.StartsWith(expected, StringComparison.Ordinal)),
            $"expected an error starting with:\n  {expected}\nbut got:\n  {string.Join("\n  ", headlines)}");
    }

    [Theory]
    [MemberData(nameof(BrokenProfiles))]
    public void The_command_exits_non_zero_and_prints_the_message_for_a_broken_profile(string broken)
    {
        var folder = Path.Combine(Repository.Path("tests", "ComponentLint.Tests", "BrokenProfiles"), broken);
        var expected = File.ReadAllText(Path.Combine(folder, "expected-error.txt")).Trim();
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = LintCommand.Run([Repository.Path("components", "local"), folder], output, error);

        Assert.Equal(1, exit);
        Assert.Contains(expected, output.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("FAIL: ", output.ToString().TrimEnd().Split('\n')[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void The_command_exits_zero_for_a_shipped_profile()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = LintCommand.Run([Repository.Path("components", "kafka-cassandra")], output, error);

        Assert.Equal(0, exit);
        Assert.Contains("PASS: 0 errors, 0 warnings", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("catalog-store (state.cassandra) ok", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_misspelt_metadata_name_is_a_warning_with_a_suggestion_not_an_error()
    {
        var folder = Path.Combine(Repository.Path("tests", "ComponentLint.Tests", "BrokenProfiles"), "misspelt-metadata");
        var expected = File.ReadAllText(Path.Combine(folder, "expected-warning.txt")).Trim();

        var result = Lint(Repository.Path("components", "local"), folder);

        Assert.True(result.Passed);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal(expected, warning.Headline);
        Assert.Equal("did you mean 'ttlInSeconds'?", warning.Fix);
    }

    [Fact]
    public void Every_broken_profile_folder_states_what_it_expects()
    {
        var folders = Directory.GetDirectories(Repository.Path("tests", "ComponentLint.Tests", "BrokenProfiles"));

        Assert.NotEmpty(folders);
        Assert.All(folders, f => Assert.True(
            File.Exists(Path.Combine(f, "expected-error.txt")) || File.Exists(Path.Combine(f, "expected-warning.txt")), f));
    }

    [Theory]
    [InlineData("appconfig.yaml")]
    [InlineData("gateway-config.yaml")]
    [InlineData("fulfilment-config.yaml")]
    [InlineData("ratelimit.yaml")]
    [InlineData("resiliency.yaml")]
    public void Resources_that_do_not_depend_on_the_backing_stores_are_identical_in_every_profile(string file)
    {
        // Resiliency files differ only in their leading comment, which explains the profile's brokers.
        static string Body(string path) => string.Join('\n', File.ReadLines(path).SkipWhile(line => line.StartsWith('#')));

        var local = Body(Repository.Path("components", "local", file));

        Assert.All(RealProfiles.Select(row => row.Data), profile => Assert.Equal(local, Body(Repository.Path("components", profile, file))));
    }
}
