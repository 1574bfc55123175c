using Flipkart.DevHost;
using Flipkart.DevHost.Output;
using Flipkart.DevHost.Processes;

namespace Flipkart.SystemTests.DevHost;

public sealed class OutputTests
{
    [Fact]
    public void A_serilog_json_event_is_rendered_as_time_level_and_message()
    {
        var line = """{"@t":"2026-11-28T08:00:01.5000000Z","@m":"Catalog ready: 10000 products","@i":"a1b2","@l":"Warning","app":"catalog"}""";

        var text = LogLineFormatter.Render(line);

        Assert.EndsWith(" WRN Catalog ready: 10000 products", text);
        Assert.Matches(@"^\d\d:\d\d:\d\d ", text);
    }

    [Fact]
    public void An_exception_in_the_event_follows_its_message()
    {
        var text = LogLineFormatter.Render("""{"@t":"2026-11-28T08:00:01Z","@m":"boom","@l":"Error","@x":"System.Exception: boom"}""");

        Assert.Contains(" ERR boom", text);
        Assert.EndsWith("System.Exception: boom", text);
    }

    [Theory]
    [InlineData("plain text from a service")]
    [InlineData("{not json but starts with a brace \"@t\"")]
    [InlineData("{\"level\":\"info\",\"msg\":\"another logger\"}")]
    public void Anything_else_passes_through_untouched(string line) => Assert.Equal(line, LogLineFormatter.Render(line));

    [Fact]
    public void Build_errors_are_attributed_to_the_projects_msbuild_blames()
    {
        const string log = """
            /src/services/Ordering/Program.cs(1,25): error CS0234: The type 'Apis' does not exist [/src/services/Ordering/Flipkart.Ordering.csproj]
            CSC : error CS5001: Program does not contain a static 'Main' method [/src/services/Gateway/Flipkart.Gateway.csproj]
            /src/services/Ordering/X.cs(4,1): error CS0246: 'DaprException' could not be found [/src/services/Ordering/Flipkart.Ordering.csproj]
            /src/services/Cart/Y.cs(4,1): warning CS0168: unused [/src/services/Cart/Flipkart.Cart.csproj]
            """;

        Assert.Equal(["Flipkart.Gateway", "Flipkart.Ordering"], ServiceBuilder.FailedProjects(log));
    }

    [Theory]
    [InlineData("""{"items":[{"id":"p1"}],"total":1}""", true)]
    [InlineData("""{"items":[],"totalCount":12}""", true)]
    [InlineData("""[{"id":"p1"}]""", true)]
    [InlineData("""{"items":[],"total":0}""", false)]
    [InlineData("""[]""", false)]
    [InlineData("""not json""", false)]
    public void A_search_answer_counts_as_seeded_only_when_it_holds_products(string body, bool seeded) =>
        Assert.Equal(seeded, LocalRun.LooksSeeded(body));

    [Fact]
    public void Fixed_ports_already_in_use_are_refused_naming_the_owner()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;

        var error = Assert.Throws<DevHostException>(() => new PortAllocator().Claim(port, "gateway"));

        Assert.Contains($"Port {port} needed by gateway is already in use", error.Message);
    }

    [Fact]
    public void Free_ports_are_never_handed_out_twice()
    {
        var ports = new PortAllocator();
        var handedOut = Enumerable.Range(0, 50).Select(_ => ports.Free()).ToList();

        Assert.Equal(handedOut.Count, handedOut.Distinct().Count());
        Assert.Throws<DevHostException>(() => ports.Claim(handedOut[0], "catalog"));
    }

    [Fact]
    public void Two_runs_in_one_process_never_get_the_same_free_port_so_a_killed_replicas_ports_stay_its_own()
    {
        // A killed replica's ports are unbound until its restart; another run starting meanwhile must not take them.
        var first = new PortAllocator();
        var second = new PortAllocator();
        var handedOut = Enumerable.Range(0, 200).SelectMany(_ => new[] { first.Free(), second.Free() }).ToList();

        Assert.Equal(handedOut.Count, handedOut.Distinct().Count());
    }

    [Fact]
    public void Free_ports_stay_below_the_kernels_ephemeral_range_where_outgoing_connections_take_theirs()
    {
        var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var ephemeralLow = int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.SkipWhen(ephemeralLow < 21000, $"the ephemeral range starts at {ephemeralLow}: no room below it");

        var ports = new PortAllocator();
        var handedOut = Enumerable.Range(0, 20).Select(_ => ports.Free()).ToList();

        Assert.All(handedOut, port => Assert.InRange(port, 20000, ephemeralLow - 1));
        Assert.All(handedOut, port => Assert.True(PortAllocator.IsFree(port)));
    }

    [Fact]
    public void A_start_failure_counts_as_port_taken_only_when_a_cause_says_so()
    {
        var kestrel = new IOException("Failed to bind to address http://127.0.0.1:24567: address already in use.");

        Assert.True(PortAllocator.IsPortTaken(new DevHostException("catalog exited", kestrel)));
        Assert.False(PortAllocator.IsPortTaken(new DevHostException("catalog exited with code 1")));
        Assert.False(PortAllocator.IsPortTaken(null));
    }
}
