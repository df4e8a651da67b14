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
}
