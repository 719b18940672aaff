// Package botproc builds the bot's binary (cmd/bot) and runs it for a test: a real
// process, configured as deploy/bot configures it, stopped with SIGTERM when the test
// ends and waited for, so a test also checks the graceful shutdown. It owns the process
// and its logs; what the bot is sent and asked is the test's.
package botproc
