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

    /// <summary>A port the OS reports free right now (bound and released), distinct from every port handed out before.</summary>
    public int Free()
    {
        while (true)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)socket.LocalEndPoint!).Port;
            if (_taken.Add(port))
            {
                return port;
            }
        }
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
