using System.Net;
using System.Net.Sockets;

namespace FunctionsMfa.Testing;

public static class Ports
{
    /// <summary>A loopback port free at the moment of the call (the OS picks it; the caller binds it soon after).</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static readonly Lock Gate = new();
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A loopback port for a listener that starts only later, or stops and starts again: storage that is down on
    /// purpose. A port from <see cref="FreeLoopbackPort"/> would be free only at the moment of the call; until the
    /// listener binds it, the kernel may give it to any bind(0) or outgoing connection on the machine, another test's
    /// Azurite included. This one is below the kernel's ephemeral range (net.ipv4.ip_local_port_range), where neither
    /// ever lands; each test assembly has its own half of the 12000 ports below that range, and each port is handed out
    /// once per process, so two tests never share one either.
    /// </summary>
    public static int ReservedLoopbackPort()
    {
        var ephemeralStart = EphemeralRangeStart();
        var half = typeof(Ports).Assembly.GetName().Name == "FunctionsHost.Tests" ? 0 : 1;
        var low = ephemeralStart - 12_000 + (half * 6_000);
        lock (Gate)
        {
            for (var attempt = 0; attempt < 200; attempt++)
            {
                var port = low + Random.Shared.Next(6_000);
                if (HandedOut.Contains(port) || !CanBind(port))
                {
                    continue;
                }

                HandedOut.Add(port);
                return port;
            }
        }

        throw new InvalidOperationException($"No free loopback port in {low}-{low + 5_999}.");
    }

    private static int EphemeralRangeStart()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 32_768;
        }
    }

    private static bool CanBind(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
