using Microsoft.EntityFrameworkCore;

namespace Acme.Billing.Data;

public class BillingDbContext(DbContextOptions<BillingDbContext> options) : DbContext(options)
{
    public DbSet<Invoice> Invoices => Set<Invoice>();
    public DbSet<InvoiceLine> InvoiceLines => Set<InvoiceLine>();
    public DbSet<Payment> Payments => Set<Payment>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<Invoice>().HasIndex(i => i.Number).IsUnique();
        model.Entity<Invoice>().HasMany(i => i.Lines).WithOne().HasForeignKey(l => l.InvoiceId);
        model.Entity<InvoiceLine>().Property(l => l.Amount).HasPrecision(12, 2);
        model.Entity<Payment>().Property(p => p.Amount).HasPrecision(12, 2);
    }
}
