using System.Diagnostics;
using System.Runtime.InteropServices;
using Flipkart.DevHost.Output;

namespace Flipkart.DevHost.Processes;

/// <summary>
/// One running service replica: a child <c>dotnet &lt;dll&gt;</c> whose output is forwarded line by line, whose last
/// lines are kept for error messages, and which dies with DevHost (see <see cref="ParentWatch"/>).
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private const int TailLines = 40;

    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly IRunOutput _output;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _stopping;

    private ServiceProcess(string name, Process process, IRunOutput output)
    {
        Name = name;
        _process = process;
        _output = output;
    }

    /// <summary>The replica's display name: the app-id, with <c>#n</c> for the n-th replica after the first.</summary>
    public string Name { get; }

    public int ProcessId => _process.Id;

    /// <summary>Completes with the exit code when the process ends.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>True once <see cref="StopAsync"/> was asked for, so an exit is expected rather than a crash.</summary>
    public bool IsStopping => Volatile.Read(ref _stopping) == 1;

    /// <summary>The last lines the process wrote, for "why did it die" messages.</summary>
    public string Tail()
    {
        lock (_tail)
        {
            return string.Join(Environment.NewLine, _tail);
        }
    }

    /// <summary>A built .NET service: <c>dotnet &lt;dll&gt;</c>, armed with the parent watch (<see cref="ParentWatch"/>).</summary>
    public static ServiceProcess Start(string name, string dll, string workingDirectory, IReadOnlyDictionary<string, string> environment, IRunOutput output) =>
        Start(name, DotnetHost(), [dll], workingDirectory, environment, output, dotnetHook: true);

    /// <summary>
    /// An app started by its run-file <c>command</c> as the Dapr CLI starts it (any language): the executable is looked up
    /// on PATH, the rest are its arguments, the working directory is the app's <c>appDirPath</c>.
    /// </summary>
    internal static ServiceProcess StartCommand(string name, IReadOnlyList<string> command, string workingDirectory, IReadOnlyDictionary<string, string> environment, IRunOutput output)
    {
        if (command.Count == 0)
        {
            throw new DevHostException($"{name}: the run file gives no command.");
        }
        return Start(name, command[0], command.Skip(1).ToList(), workingDirectory, environment, output, dotnetHook: false);
    }

    private static ServiceProcess Start(string name, string fileName, IReadOnlyList<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string> environment, IRunOutput output, bool dotnetHook)
    {
        var dll = string.Join(' ', arguments);
        var info = new ProcessStartInfo(fileName, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };

        // Inherited settings meant for DevHost (or the test host) must not leak into the service.
        foreach (var key in info.Environment.Keys.ToList())
        {
            if (key.StartsWith("DAPR_", StringComparison.Ordinal) || key.StartsWith("APP_", StringComparison.Ordinal)
                || key.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || key is "DOTNET_STARTUP_HOOKS")
            {
                info.Environment.Remove(key);
            }
        }
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        if (dotnetHook)
        {
            ParentWatch.Arm(info);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var service = new ServiceProcess(name, process, output);
        process.OutputDataReceived += (_, e) => service.OnLine(e.Data, isError: false);
        process.ErrorDataReceived += (_, e) => service.OnLine(e.Data, isError: true);
        process.Exited += (_, _) => service.OnExited();

        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new DevHostException($"Could not start {name} ({info.FileName} {dll}): {e.Message}", e);
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>Marks an exit as expected (a deliberate kill), so it is not reported as a crash.</summary>
    public void MarkStopping() => Volatile.Write(ref _stopping, 1);

    /// <summary>Asks the service to shut down (SIGTERM, so it drains like under Kubernetes), then kills its tree after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 1 || _exited.Task.IsCompleted)
        {
            await _exited.Task.ConfigureAwait(false);
            return;
        }

        if (!OperatingSystem.IsWindows())
        {
            _ = Kill(_process.Id, SigTerm);
            if (await Task.WhenAny(_exited.Task, Task.Delay(grace)).ConfigureAwait(false) == _exited.Task)
            {
                return;
            }
        }

        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        await Task.WhenAny(_exited.Task, Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        _process.Dispose();
    }

    private void OnLine(string? line, bool isError)
    {
        if (line is null)
        {
            return;
        }
        lock (_tail)
        {
            _tail.Enqueue(line);
            if (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }
        }
        _output.AppLog(Name, line, isError);
    }

    private void OnExited()
    {
        // Let the asynchronous readers drain what the process wrote last before reporting the exit.
        try
        {
            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
        }
        _exited.TrySetResult(_process.ExitCode);
    }

    private static string DotnetHost()
    {
        // The muxer that runs DevHost (or the tests); `dotnet` on PATH otherwise.
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return self;
        }
        return "dotnet";
    }

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
