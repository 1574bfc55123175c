using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Flipkart.DevHost.Processes;

/// <summary>Hands out loopback ports: checks the fixed ones are free, picks free ones otherwise, never the same twice in one run.</summary>
public sealed class PortAllocator
{
    private readonly HashSet<int> _taken = [];

    /// <summary>Claims <paramref name="port"/> for <paramref name="owner"/>, failing with a message naming both when something already listens there.</summary>
    public int Claim(int port, string owner)
    {
        if (!_taken.Add(port))
        {
            throw new DevHostException($"Port {port} is assigned twice in the run file (again for {owner}).");
        }
        if (!IsFree(port))
        {
            throw new DevHostException(
                $"Port {port} needed by {owner} is already in use. Stop whatever listens there (e.g. `lsof -i :{port}` or `ss -ltnp 'sport = :{port}'`), " +
                "or start with --port <n> for the gateway / --dynamic-ports for everything else.");
        }
        return port;
    }

    /// <summary>
    /// A port free right now, distinct from every port handed out before. Taken below the kernel's ephemeral
    /// range where there is room: a port the OS hands out for "any port" is released again before the child
    /// binds it, and in that gap any outgoing connection on the machine may be given the same number (seen as
    /// "address already in use" when several system tests ran at once).
    /// </summary>
    public int Free()
    {
        for (var attempt = 0; attempt < 200 && EphemeralLow > MinPort + 1000; attempt++)
        {
            var port = Random.Shared.Next(MinPort, EphemeralLow);
            if (!_taken.Contains(port) && IsFree(port) && HandedOutInProcess.TryAdd(port, 0))
            {
                _taken.Add(port);
                return port;
            }
        }
        while (true)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            if (HandedOutInProcess.TryAdd(port, 0) && _taken.Add(port))
            {
                return port;
            }
        }
    }

    /// <summary>
    /// Every port <see cref="Free"/> handed out in this process, by any allocator. A replica killed and restarted keeps
    /// its ports, which are unbound in between: another run in the same process (the reliability suite runs three
    /// at once) must not be given one of them then (seen: "address already in use" on the restart).
    /// </summary>
    private static readonly ConcurrentDictionary<int, byte> HandedOutInProcess = new();

    private const int MinPort = 20000;

    /// <summary>Low end of the kernel's ephemeral port range (Linux default 32768; 0 where it cannot be read).</summary>
    private static readonly int EphemeralLow = ReadEphemeralLow();

    private static int ReadEphemeralLow()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return int.TryParse(range[0], out var low) ? low : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return 0;
        }
    }

    /// <summary>True when a failure (or one of its causes) says a port was taken between choosing and binding it.</summary>
    public static bool IsPortTaken(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    public static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            socket.Listen();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
