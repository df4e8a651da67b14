using Azure;
using Azure.Data.Tables;
using FunctionsMfa.Functions.Storage;

namespace FunctionsMfa.Functions.SignIns;

/// <summary>Sign-ins in Table Storage; every change is conditional on the ETag that was read.</summary>
internal sealed class SignInStore(MfaStorage storage)
{
    /// <summary>
    /// Inserts a new sign-in. The SDK retries an insert whose answer timed out, and the retry then meets the row its
    /// first try wrote (409): that row is this sign-in (its id is 128 random bits and it carries this client token's
    /// hash), so it is the success, not a conflict. Found by the bench at c=64, where it was a 500.
    /// </summary>
    public async Task<SignInRecord> InsertAsync(SignInRecord signIn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signIn);
        var table = await storage.TableAsync(MfaTables.SignIns);
        try
        {
            var response = await table.AddEntityAsync(signIn.ToEntity(), cancellationToken);
            return signIn with { ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException exception) when (exception.Status == 409)
        {
            var written = await GetAsync(signIn.Id, cancellationToken);
            if (written is null || !written.ClientTokenHash.AsSpan().SequenceEqual(signIn.ClientTokenHash))
            {
                throw;
            }

            return written;
        }
    }

    public async Task<SignInRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var table = await storage.TableAsync(MfaTables.SignIns);
        var response = await table.GetEntityIfExistsAsync<TableEntity>(id, SignInRecord.RowKey, cancellationToken: cancellationToken);
        return response.HasValue ? SignInRecord.FromEntity(response.Value!) : null;
    }

    /// <summary>Writes <paramref name="signIn"/> if nobody changed it since it was read; null on a conflict.</summary>
    public async Task<SignInRecord?> TryReplaceAsync(SignInRecord signIn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signIn);
        var table = await storage.TableAsync(MfaTables.SignIns);
        try
        {
            var response = await table.UpdateEntityAsync(signIn.ToEntity(), signIn.ETag, TableUpdateMode.Replace, cancellationToken);
            return signIn with { ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException exception) when (exception.Status == 412)
        {
            return null;
        }
    }
}
