using System.Diagnostics;
using System.Globalization;

namespace Flipkart.DevHost.Processes;

/// <summary>
/// Makes the children that cannot carry DevHost's .NET startup hook (the dashboard, apps started by their run-file
/// <c>command</c>: Node, Python, ...) die with DevHost even when DevHost is killed outright. One small shell process per
/// run watches DevHost (its own parent) and, once DevHost is gone, sends every registered process SIGTERM, then
/// SIGKILL after a grace period. An orderly stop ends the watcher first.
/// </summary>
internal sealed class OrphanGuard : IDisposable
{
    // $1 = the file of pids to stop. The watcher's parent is DevHost; once it changes, DevHost has died.
    private const string Script = """
        parent=$(cut -d' ' -f4 /proc/$$/stat)
        while [ "$(cut -d' ' -f4 /proc/$$/stat)" = "$parent" ]; do sleep 0.5; done
        pids=$(cat "$1" 2>/dev/null)
        [ -n "$pids" ] && kill -TERM $pids 2>/dev/null
        sleep 5
        [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
        rm -f "$1"
        """;

    private readonly string _pidFile = Path.Combine(Path.GetTempPath(), $"devhost-{Environment.ProcessId}-{Guid.NewGuid():N}.pids");
    private readonly Process? _watcher;
    private readonly Lock _gate = new();

    public OrphanGuard()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the watcher reads /proc; elsewhere an orderly stop still ends every child
        }
        File.WriteAllText(_pidFile, "");
        _watcher = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", Script, "devhost-orphan-guard", _pidFile])
        {
            UseShellExecute = false,
            RedirectStandardInput = true, // not the console's: Ctrl+C must reach DevHost, which stops the children in order
        });
    }

    public void Register(int pid)
    {
        if (_watcher is null)
        {
            return;
        }
        lock (_gate)
        {
            File.AppendAllText(_pidFile, pid.ToString(CultureInfo.InvariantCulture) + " ");
        }
    }

    public void Dispose()
    {
        try
        {
            _watcher?.Kill();
        }
        catch (InvalidOperationException)
        {
        }
        _watcher?.Dispose();
        try
        {
            File.Delete(_pidFile);
        }
        catch (IOException)
        {
        }
    }
}
