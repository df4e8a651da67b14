// `--init-local-settings SAMPLE TARGET` creates local.settings.json with fresh development keys; anything else runs
// the worker (started by the Functions host, which passes its own arguments).
if (args is ["--init-local-settings", var sample, var target])
{
    return LocalDevelopment.InitLocalSettings(sample, target, Console.Out);
}

await MfaWorker.CreateBuilder(args).Build().RunAsync();
return 0;

/// <summary>The entry point, visible to the tests.</summary>
public partial class Program;
