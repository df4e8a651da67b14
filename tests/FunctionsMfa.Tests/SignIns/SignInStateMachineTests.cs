using FunctionsMfa.Domain.SignIns;

namespace FunctionsMfa.Tests.SignIns;

public sealed class SignInStateMachineTests
{
    private static readonly DateTimeOffset AbandonAt = new(2026, 1, 1, 12, 10, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Before = AbandonAt.AddSeconds(-1);

    [Theory]
    [InlineData(SignInEvent.SecondFactorVerified, SignInStatus.Complete)]
    [InlineData(SignInEvent.Expired, SignInStatus.Abandoned)]
    [InlineData(SignInEvent.LockedOut, SignInStatus.Abandoned)]
    public void A_waiting_sign_in_moves_on_each_event(SignInEvent signInEvent, SignInStatus expected)
    {
        var transition = SignInStateMachine.Apply(SignInStatus.NeedsSecondFactor, signInEvent, AbandonAt, Before);
        Assert.True(transition.IsAllowed);
        Assert.Equal(expected, transition.To);
        Assert.Equal(SignInRefusal.None, transition.Refusal);
    }

    [Theory]
    [InlineData(SignInEvent.SecondFactorVerified)]
    [InlineData(SignInEvent.Expired)]
    [InlineData(SignInEvent.LockedOut)]
    public void A_completed_sign_in_refuses_every_event(SignInEvent signInEvent)
    {
        var transition = SignInStateMachine.Apply(SignInStatus.Complete, signInEvent, AbandonAt, Before);
        Assert.False(transition.IsAllowed);
        Assert.Equal(SignInRefusal.AlreadyCompleted, transition.Refusal);
    }

    [Theory]
    [InlineData(SignInEvent.SecondFactorVerified)]
    [InlineData(SignInEvent.Expired)]
    [InlineData(SignInEvent.LockedOut)]
    public void An_abandoned_sign_in_refuses_every_event(SignInEvent signInEvent)
    {
        Assert.Equal(SignInRefusal.Abandoned, SignInStateMachine.Apply(SignInStatus.Abandoned, signInEvent, AbandonAt, Before).Refusal);
        Assert.Equal(SignInRefusal.Expired, SignInStateMachine.Apply(SignInStatus.Abandoned, signInEvent, AbandonAt, AbandonAt).Refusal);
    }

    [Fact]
    public void A_second_factor_verified_at_abandon_at_is_too_late()
    {
        Assert.Equal(SignInStatus.Complete, SignInStateMachine.Apply(SignInStatus.NeedsSecondFactor, SignInEvent.SecondFactorVerified, AbandonAt, Before).To);
        var late = SignInStateMachine.Apply(SignInStatus.NeedsSecondFactor, SignInEvent.SecondFactorVerified, AbandonAt, AbandonAt);
        Assert.False(late.IsAllowed);
        Assert.Equal(SignInRefusal.Expired, late.Refusal);
    }

    [Fact]
    public void Admission_and_observed_status_change_exactly_at_abandon_at()
    {
        Assert.Equal(SignInRefusal.None, SignInStateMachine.Admit(SignInStatus.NeedsSecondFactor, AbandonAt, Before));
        Assert.Equal(SignInRefusal.Expired, SignInStateMachine.Admit(SignInStatus.NeedsSecondFactor, AbandonAt, AbandonAt));
        Assert.Equal(SignInRefusal.AlreadyCompleted, SignInStateMachine.Admit(SignInStatus.Complete, AbandonAt, AbandonAt.AddHours(1)));
        Assert.Equal(SignInStatus.NeedsSecondFactor, SignInStateMachine.Observe(SignInStatus.NeedsSecondFactor, AbandonAt, Before));
        Assert.Equal(SignInStatus.Abandoned, SignInStateMachine.Observe(SignInStatus.NeedsSecondFactor, AbandonAt, AbandonAt));
        Assert.Equal(SignInStatus.Complete, SignInStateMachine.Observe(SignInStatus.Complete, AbandonAt, AbandonAt));
    }
}

public sealed class FailureBudgetTests
{
    private static readonly FailureBudgetPolicy Policy = FailureBudgetPolicy.Default;
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_tenth_consecutive_failure_locks_for_an_hour()
    {
        var budget = FailureBudget.Fresh;
        for (var i = 1; i <= 9; i++)
        {
            budget = budget.AfterFailure(Policy, Now);
            Assert.False(budget.IsLocked(Now));
            Assert.Equal(10 - i, budget.AttemptsRemaining(Policy, Now));
        }

        budget = budget.AfterFailure(Policy, Now);
        Assert.True(budget.IsLocked(Now));
        Assert.Equal(3600, budget.LockSecondsRemaining(Now));
        Assert.True(budget.IsLocked(Now.AddHours(1).AddSeconds(-1)));
        Assert.False(budget.IsLocked(Now.AddHours(1)));
        Assert.Equal(10, budget.AttemptsRemaining(Policy, Now.AddHours(1)));
    }

    [Fact]
    public void A_success_resets_the_count_but_never_lifts_a_lock()
    {
        var budget = FailureBudget.Fresh.AfterFailure(Policy, Now).AfterFailure(Policy, Now);
        Assert.Equal(FailureBudget.Fresh, budget.AfterSuccess(Now));

        var locked = new FailureBudget(10, Now.AddMinutes(30));
        Assert.Equal(locked, locked.AfterSuccess(Now));
        Assert.Equal(locked, locked.AfterFailure(Policy, Now));
    }
}
