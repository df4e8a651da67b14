namespace FunctionsHost.Tests.Infrastructure;

/// <summary>Reads the hello worker's record file (function, message, dequeue count per line), waiting when asked.</summary>
public static class Recorded
{
    /// <summary>The dequeue counts of the calls of a function with a message, in the order they were recorded.</summary>
    public static async Task<IReadOnlyList<string>> CallsAsync(string file, string function, string message)
    {
        if (!File.Exists(file))
        {
            return [];
        }

        var lines = await File.ReadAllLinesAsync(file);
        return lines.Select(l => l.Split('\t')).Where(f => f.Length == 3 && f[0] == function && f[1] == message).Select(f => f[2]).ToList();
    }

    public static async Task<IReadOnlyList<string>> WaitForAsync(string file, string function, string message, int count, TimeSpan patience)
    {
        IReadOnlyList<string> calls = [];
        await EventuallyAsync(async () => (calls = await CallsAsync(file, function, message)).Count >= count, patience);
        return calls;
    }

    /// <summary>Polls a condition every 100 ms until it holds or the patience runs out.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(100);
        }

        return await condition();
    }
}
