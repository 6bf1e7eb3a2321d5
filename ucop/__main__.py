from ucop.cli import main

main()
