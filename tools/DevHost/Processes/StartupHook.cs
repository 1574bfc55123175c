using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

// The runtime looks for a type named exactly `StartupHook` in the global namespace with a static Initialize().
#pragma warning disable CA1050

/// <summary>
/// Runs inside each service DevHost starts (see <c>ParentWatch</c>): polls the parent process and, when it has
/// gone, sends the service SIGTERM so it shuts down gracefully, with a hard exit as the backstop.
/// </summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("DEVHOST_PARENT_PID"), NumberStyles.None, CultureInfo.InvariantCulture, out var parentPid))
        {
            return;
        }

        // The service's own children must not inherit the watch of a process that is not their parent.
        Environment.SetEnvironmentVariable("DEVHOST_PARENT_PID", null);
        Environment.SetEnvironmentVariable("DOTNET_STARTUP_HOOKS", null);

        var thread = new Thread(() => Watch(parentPid)) { IsBackground = true, Name = "devhost-parent-watch" };
        thread.Start();
    }

    private static void Watch(int parentPid)
    {
        while (ParentAlive(parentPid))
        {
            Thread.Sleep(500);
        }

        if (!OperatingSystem.IsWindows())
        {
            _ = Kill(Environment.ProcessId, 15);
            Thread.Sleep(TimeSpan.FromSeconds(10));
        }
        Environment.Exit(137);
    }

    private static bool ParentAlive(int parentPid)
    {
        if (!OperatingSystem.IsWindows())
        {
            // Orphans are re-parented (to init or a subreaper), so a changed parent id means ours has died,
            // even if it lingers as a zombie nobody has reaped yet.
            return GetParentPid() == parentPid;
        }

        try
        {
            using var parent = Process.GetProcessById(parentPid);
            return !parent.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "getppid")]
    private static extern int GetParentPid();

    [DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}
