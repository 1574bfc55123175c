using System.Diagnostics;

namespace Flipkart.DevHost.Processes;

/// <summary>
/// Makes child services die with DevHost even when DevHost itself is killed (SIGKILL, a crashed test host),
/// where no shutdown code of ours runs. Each child is started with DevHost's own assembly as a .NET startup
/// hook (<c>DOTNET_STARTUP_HOOKS</c>); the hook (<see cref="StartupHook"/>) watches the parent and asks the
/// service to stop once it is gone. Nothing in the services has to know about it.
/// </summary>
public static class ParentWatch
{
    public const string ParentPidVariable = "DEVHOST_PARENT_PID";

    public static void Arm(ProcessStartInfo info)
    {
        var hookAssembly = typeof(StartupHook).Assembly.Location;
        if (string.IsNullOrEmpty(hookAssembly))
        {
            return;
        }
        info.Environment["DOTNET_STARTUP_HOOKS"] = hookAssembly;
        info.Environment[ParentPidVariable] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
