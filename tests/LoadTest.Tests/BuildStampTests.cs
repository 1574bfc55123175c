using Flipkart.LoadTest.Targets;

namespace Flipkart.LoadTest.Tests;

public sealed class BuildStampTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("loadtest-stamp-");
    private readonly DateTime _past = DateTime.UtcNow.AddHours(-2);

    public BuildStampTests()
    {
        Write("services/Shop/Flipkart.Shop.csproj");
        Write("services/Shop/Program.cs");
        Write("services/Shared/Flipkart.Shared.csproj"); // a library: no Program.cs, no output of its own required
        Write("Directory.Build.props");
        Write("artifacts/bin/Flipkart.Shop/release/Flipkart.Shop.dll");
        DateFolders();
    }

    /// <summary>Folders dated in the past too: a new entry in a folder counts as a change.</summary>
    private void DateFolders()
    {
        foreach (var directory in _root.EnumerateDirectories("*", SearchOption.AllDirectories).Append(_root))
        {
            directory.LastWriteTimeUtc = _past;
        }
    }

    private BuildStamp Stamp() => new(_root.FullName, Path.Combine(_root.FullName, "artifacts", "loadtest", "stamp"), Path.Combine(_root.FullName, "artifacts"), "Release");

    private void Write(string relative, DateTime? at = null)
    {
        var path = Path.Combine(_root.FullName, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, relative);
        File.SetLastWriteTimeUtc(path, at ?? _past);
    }

    [Fact]
    public void Without_a_stamp_the_services_are_built()
    {
        Assert.False(Stamp().IsUpToDate());
    }

    [Fact]
    public void A_build_after_the_last_change_is_up_to_date()
    {
        var stamp = Stamp();
        stamp.MarkBuilt(_past.AddMinutes(30));

        Assert.True(stamp.IsUpToDate());
    }

    [Fact]
    public void A_source_changed_after_the_build_started_makes_it_stale()
    {
        var stamp = Stamp();
        stamp.MarkBuilt(_past.AddMinutes(30));
        Write("services/Shop/Program.cs", _past.AddMinutes(31));

        Assert.False(stamp.IsUpToDate());
    }

    [Fact]
    public void A_changed_build_props_file_makes_it_stale()
    {
        var stamp = Stamp();
        stamp.MarkBuilt(_past.AddMinutes(30));
        Write("Directory.Build.props", _past.AddMinutes(45));

        Assert.False(stamp.IsUpToDate());
    }

    [Fact]
    public void A_missing_service_output_makes_it_stale()
    {
        var stamp = Stamp();
        stamp.MarkBuilt(_past.AddMinutes(30));
        File.Delete(Path.Combine(_root.FullName, "artifacts/bin/Flipkart.Shop/release/Flipkart.Shop.dll"));

        Assert.False(stamp.IsUpToDate());
    }

    [Fact]
    public void A_service_the_run_leaves_out_is_not_required_to_be_built()
    {
        Write("services/Storefront/Flipkart.Storefront.csproj");
        Write("services/Storefront/Program.cs");
        DateFolders();
        var stamp = new BuildStamp(_root.FullName, Path.Combine(_root.FullName, "artifacts", "loadtest", "stamp"), Path.Combine(_root.FullName, "artifacts"), "Release", ["storefront"]);
        stamp.MarkBuilt(_past.AddMinutes(30));

        Assert.True(stamp.IsUpToDate());
        Assert.False(Stamp().IsUpToDate());
    }

    public void Dispose() => _root.Delete(recursive: true);
}
