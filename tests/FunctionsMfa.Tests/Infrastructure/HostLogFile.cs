using Microsoft.Extensions.Logging;

namespace FunctionsMfa.Tests.Infrastructure;

/// <summary>
/// The embedded host's warnings and errors (a forward to the worker that failed, an invocation the worker failed, a
/// lost worker), appended to <c>.data/test-host.log</c> with the time and the test class, and handed on to the class's
/// own capture when it has one. The host's console is not shown by the test runner, so without it an empty 500 from
/// the host says nothing of why; <c>./build.sh test</c> prints the host's invocation failures from it when a test fails.
/// </summary>
internal sealed class HostLogFile(string fixture, ILoggerProvider? inner) : ILoggerProvider
{
    private static readonly Lock Writing = new();
    private static readonly string Path = CreatePath();

    // The logger factory keeps one logger per category and provider, so none is cached here.
    public ILogger CreateLogger(string categoryName) => new Logger(fixture, categoryName, inner?.CreateLogger(categoryName));

    public void Dispose() => inner?.Dispose();

    private static string CreatePath()
    {
        var directory = System.IO.Path.Combine(Azurite.RepositoryRoot(), ".data");
        Directory.CreateDirectory(directory);
        return System.IO.Path.Combine(directory, "test-host.log");
    }

    private sealed class Logger(string fixture, string category, ILogger? inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner?.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning || inner?.IsEnabled(logLevel) == true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            inner?.Log(logLevel, eventId, state, exception, formatter);
            if (logLevel < LogLevel.Warning)
            {
                return;
            }

            var line = $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} [{fixture}] {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.GetType().Name)}{Environment.NewLine}";
            lock (Writing)
            {
                File.AppendAllText(Path, line);
            }
        }
    }
}
