package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/gridmap/gridmap/auth"
	"github.com/gridmap/gridmap/internal/cli"
	"github.com/gridmap/gridmap/store"
)

// userCmd runs `gridmap user add`.
func userCmd(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: gridmap user add --username NAME --role ROLE [--grid ID] [--person ID] [--password-stdin]")
	}
	var username, role string
	var grid, person int64
	var fromStdin bool
	c, err := parse("user add", args[1:], dbFlag, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "login name (a-z, 0-9, . _ -)")
		fs.StringVar(&role, "role", "", "admin, planner, viewer, grid-leader, staff or device")
		fs.Int64Var(&grid, "grid", 0, "the grid of a grid-leader or staff account")
		fs.Int64Var(&person, "person", 0, "the volunteer of a device account")
		fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from standard input instead of generating one")
	})
	if err != nil {
		return err
	}
	r, err := auth.ParseRole(role)
	if err != nil {
		return fmt.Errorf("--role: %w", err)
	}
	st, err := store.Open(ctx, c.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	password, hash := "", ""
	if r != auth.Device {
		if fromStdin {
			line, err := bufio.NewReader(os.Stdin).ReadString('\n')
			if err != nil && !errors.Is(err, io.EOF) {
				return fmt.Errorf("read password: %w", err)
			}
			password = strings.TrimRight(line, "\r\n")
		} else {
			password = randomPassword()
		}
		if hash, err = auth.HashPassword(password, bcrypt.DefaultCost); err != nil {
			return err
		}
	}
	acc, err := st.CreateAccount(ctx, cli.Actor(), store.NewAccount{Username: username, PasswordHash: hash, Role: r, GridID: grid, PersonID: person})
	if err != nil {
		return err
	}
	fmt.Printf("account %d: %s (%s)\n", acc.ID, acc.Username, acc.Role)
	if password != "" && !fromStdin {
		fmt.Printf("password: %s\n", password)
	}
	return nil
}

// randomPassword returns a password of 20 URL-safe characters.
func randomPassword() string {
	t, _ := auth.NewToken("")
	return t[:20]
}

// tokenCmd runs `gridmap token create` and `gridmap token revoke`.
func tokenCmd(ctx context.Context, args []string) error {
	const usage = "usage: gridmap token create --username NAME --name LABEL [--ttl 720h] | gridmap token revoke --id N"
	if len(args) == 0 || (args[0] != "create" && args[0] != "revoke") {
		return errors.New(usage)
	}
	var username, name string
	var ttl time.Duration
	var id int64
	c, err := parse("token "+args[0], args[1:], dbFlag, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "the account the token acts for")
		fs.StringVar(&name, "name", "", "what the token is for, e.g. 'wall display' or 'phone of 王**'")
		fs.DurationVar(&ttl, "ttl", 30*24*time.Hour, "how long the token lives (tokens always expire)")
		fs.Int64Var(&id, "id", 0, "the token to revoke")
	})
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, c.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	if args[0] == "revoke" {
		t, err := st.RevokeToken(ctx, cli.Actor(), id)
		if err != nil {
			return err
		}
		fmt.Printf("token %d (%s) revoked at %s\n", t.ID, t.Name, t.RevokedAt.Format(time.RFC3339))
		return nil
	}
	if name == "" || ttl <= 0 || ttl > 366*24*time.Hour {
		return errors.New("--name is required and --ttl must be between 1s and 366 days")
	}
	plain, token, err := cli.CreateToken(ctx, st, username, name, ttl)
	if err != nil {
		return err
	}
	fmt.Printf("token %d for %s, expires %s:\n%s\n", token.ID, username, token.ExpiresAt.Format(time.RFC3339), plain)
	return nil
}

// demoAccount is one login the demo creates and prints.
type demoAccount struct {
	username string
	role     auth.Role
	grid     int64 // for grid-leader and staff
	note     string
}

// demoAccounts are one login per role over the demo subdistrict. Their
// passwords are printed once; they are for trying the demo, not for use.
var demoAccounts = []demoAccount{
	{"admin", auth.Admin, 0, "everything, accounts and audit log"},
	{"planner", auth.Planner, 0, "boundaries; names masked"},
	{"viewer", auth.Viewer, 0, "wall display: whole area, read-only, names masked"},
	{"leader", auth.GridLeader, 9, "grid leader of 桐柏路61号院 (grid 9)"},
	{"staff", auth.Staff, 2, "grid staff of 协作路社区 (grid 2)"},
}

// createDemoAccounts adds the demo logins, a device token for the first
// volunteer and a phone login for another (phone), and prints them.
func createDemoAccounts(ctx context.Context, st *store.Store, volunteer, phone int64, out io.Writer) error {
	fmt.Fprintln(out, "\ndemo logins (for trying the demo only):")
	for _, d := range demoAccounts {
		password := d.username + "-demo-2026"
		hash, err := auth.HashPassword(password, bcrypt.DefaultCost)
		if err != nil {
			return err
		}
		if _, err := st.CreateAccount(ctx, store.Actor{Name: "seed"}, store.NewAccount{
			Username: d.username, PasswordHash: hash, Role: d.role, GridID: d.grid}); err != nil {
			return err
		}
		fmt.Fprintf(out, "  %-8s %-20s %-12s %s\n", d.username, password, d.role, d.note)
	}
	if _, err := st.CreateAccount(ctx, store.Actor{Name: "seed"}, store.NewAccount{
		Username: "device1", Role: auth.Device, PersonID: volunteer}); err != nil {
		return err
	}
	plain, _, err := cli.CreateToken(ctx, st, "device1", "demo volunteer phone", 30*24*time.Hour)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  %-8s %-20s %-12s token: %s\n", "device1", "(token only)", auth.Device, plain)
	// A volunteer of 爱民服务队 (协作路社区) signs in on a phone.
	password := "volunteer-demo-2026"
	hash, err := auth.HashPassword(password, bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	if _, err := st.CreateAccount(ctx, store.Actor{Name: "seed"}, store.NewAccount{
		Username: "volunteer", PasswordHash: hash, Role: auth.Volunteer, PersonID: phone}); err != nil {
		return err
	}
	fmt.Fprintf(out, "  %-8s %-20s %-12s %s\n", "volunteer", password, auth.Volunteer, "a volunteer's phone: tasks in 协作路社区 (grid 2)")
	return nil
}
